"""The Django admin behind a verified second factor (django-otp's OTPAdminSite)."""

from django_otp.admin import OTPAdminSite

secure_admin_site = OTPAdminSite
